// The React hook in a StrictMode app. The test drives it through
// window.app: the URL, mounting, sending.
import { Component, StrictMode, createElement as h, useState } from "react";
import { createRoot } from "react-dom/client";
import { useReconnectingWebSocket } from "resock/react";

const params = new URLSearchParams(location.search);

const app = {
	/** @type {string[]} every message, from onMessage */
	received: [],
	/** @type {string[]} every state the component rendered, deduplicated in a row */
	states: [],
	renders: 0,
	/** @type {string | null} the name of what the hook threw */
	thrown: null,
	/** @type {(data: string) => void} */
	send: () => {},
	/** @type {import("resock").ReconnectingWebSocket | null} */
	socket: null,
	/** @type {(url: string) => void} */
	setURL: () => {},
	/** @type {(mounted: boolean) => void} */
	setMounted: () => {},
	/** @type {(enabled: boolean) => void} */
	setEnabled: () => {},
	/** @type {(protocols: string[] | undefined) => void} */
	setProtocols: () => {},
	/** mounts the component anew, error boundary and all */
	reset: () => {},
};
Object.assign(globalThis, { app });

/** @param {{url: string, enabled: boolean, protocols: string[] | undefined}} props */
function Echo({ url, enabled, protocols }) {
	const { socket, state, lastMessage, send } = useReconnectingWebSocket(url, protocols, {
		delays: [100, 200, 400],
		enabled,
		onMessage: (e) => app.received.push(String(e.data)),
	});
	app.renders++;
	app.send = send;
	app.socket = socket;
	if (app.states.at(-1) !== state) {
		app.states.push(state);
	}
	return h("p", { id: "last" }, lastMessage === null ? "" : String(lastMessage.data));
}

/** Shows what a child threw, instead of the child. */
class Catch extends Component {
	/** @type {{error: unknown}} */
	state = { error: null };

	/** @param {unknown} error */
	static getDerivedStateFromError(error) {
		app.thrown = error instanceof Error ? error.name : String(error);
		return { error };
	}

	render() {
		return this.state.error === null ? /** @type {{children?: import("react").ReactNode}} */ (this.props).children : h("p", { id: "error" }, String(this.state.error));
	}
}

function App() {
	const [url, setURL] = useState(params.get("ws") ?? "");
	const [mounted, setMounted] = useState(true);
	const [enabled, setEnabled] = useState(true);
	const [generation, setGeneration] = useState(0);
	const [protocols, setProtocols] = useState(/** @type {string[] | undefined} */ (undefined));
	app.setProtocols = setProtocols;
	app.setURL = setURL;
	app.setMounted = setMounted;
	app.setEnabled = setEnabled;
	app.reset = () => {
		app.socket = null;
		app.thrown = null;
		setGeneration((g) => g + 1);
	};
	return mounted ? h(Catch, { key: generation }, h(Echo, { url, enabled, protocols })) : null;
}

createRoot(/** @type {HTMLElement} */ (document.getElementById("root"))).render(h(StrictMode, null, h(App)));
