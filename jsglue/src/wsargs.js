// wsargs.js: the checks the WebSocket constructor makes of its url and
// protocols, for the modules that construct no socket in this context and
// must still throw where the page made the mistake: the React hook, which
// gives the socket its URL through a function, and the shared socket,
// whose socket lives in a SharedWorker. In the socket itself Go makes the
// same checks.

/**
 * checkURL returns url resolved against the document's base URL (a
 * worker's location in a worker), with http and https made ws and wss, or
 * throws the SyntaxError DOMException WebSocket throws: url does not
 * parse, has another scheme, or has a fragment.
 * @param {string | URL} url
 * @returns {string}
 */
export function checkURL(url) {
	const base = globalThis.document?.baseURI ?? globalThis.location?.href;
	/** @type {URL} */
	let u;
	try {
		u = new URL(String(url), base);
	} catch {
		throw new DOMException(`The URL '${url}' is invalid.`, "SyntaxError");
	}
	if (u.protocol === "http:") {
		u.protocol = "ws:";
	} else if (u.protocol === "https:") {
		u.protocol = "wss:";
	}
	if (u.protocol !== "ws:" && u.protocol !== "wss:") {
		throw new DOMException(`The URL's scheme must be either 'http', 'https', 'ws', or 'wss'. '${u.protocol.slice(0, -1)}' is not allowed.`, "SyntaxError");
	}
	if (u.hash !== "" || String(url).includes("#")) {
		throw new DOMException(`The URL contains a fragment identifier ('${u.hash}'). Fragment identifiers are not allowed in WebSocket URLs.`, "SyntaxError");
	}
	return u.href;
}

// A subprotocol is an HTTP token (RFC 6455 section 4.1, RFC 7230 section
// 3.2.6): visible ASCII but for the separators.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * checkProtocols returns the protocols as a list, or throws the SyntaxError
 * DOMException WebSocket throws for one that is not a token or that
 * appears twice.
 * @param {string | string[] | undefined} protocols
 * @returns {string[]}
 */
export function checkProtocols(protocols) {
	const list = protocols === undefined ? [] : typeof protocols === "string" ? [protocols] : protocols;
	const seen = new Set();
	for (const p of list) {
		if (!TOKEN.test(p)) {
			throw new DOMException(`The subprotocol '${p}' is invalid.`, "SyntaxError");
		}
		if (seen.has(p)) {
			throw new DOMException(`The subprotocol '${p}' is duplicated.`, "SyntaxError");
		}
		seen.add(p);
	}
	return list;
}
