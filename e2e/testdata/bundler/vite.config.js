// Two pages: the plain API (with a module Worker) and the React hook.
// Nothing here is about resock: its wasm and wasm_exec.js are found
// through new URL("./…", import.meta.url) with no configuration.
import { defineConfig } from "vite";

export default defineConfig({
	build: {
		rolldownOptions: {
			input: ["index.html", "react.html"],
		},
	},
	// A module Worker's bundle, like the page's, may use top-level await.
	worker: { format: "es" },
});
