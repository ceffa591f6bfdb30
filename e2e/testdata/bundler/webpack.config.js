// The plain page and its Worker, built by webpack 5. Nothing here is about
// resock: its wasm and wasm_exec.js are found through
// new URL("./…", import.meta.url) with no configuration.
import { fileURLToPath } from "node:url";

export default {
	mode: "production",
	entry: "./main.js",
	output: { path: fileURLToPath(new URL("./dist-webpack", import.meta.url)), clean: true },
};
