// exports.ts makes tsc check that resock.js exports what resock.d.ts
// declares. To the compiler "./resock.js" names resock.d.ts, which sits
// beside it; "resock-glue" is mapped to resock.js itself in tsconfig.json.
import type * as declared from "./resock.js";
import * as glue from "resock-glue";

type Declared = { [K in keyof typeof declared]: (typeof declared)[K] };
export const exported: Declared = glue;
