// exports.ts makes tsc check that resock.js, react.js and shared.js export
// what resock.d.ts, react.d.ts and shared.d.ts declare. To the compiler "./resock.js" names
// resock.d.ts, which sits beside it; "resock-glue" and "resock-react-glue"
// are mapped to the modules themselves in tsconfig.json.
import type * as declared from "./resock.js";
import * as glue from "resock-glue";

type Declared = { [K in keyof typeof declared]: (typeof declared)[K] };
export const exported: Declared = glue;

import type * as declaredReact from "./react.js";
import * as reactGlue from "resock-react-glue";

type DeclaredReact = { [K in keyof typeof declaredReact]: (typeof declaredReact)[K] };
export const exportedReact: DeclaredReact = reactGlue;

import type * as declaredShared from "./shared.js";
import * as sharedGlue from "resock-shared-glue";

type DeclaredShared = { [K in keyof typeof declaredShared]: (typeof declaredShared)[K] };
export const exportedShared: DeclaredShared = sharedGlue;
