/**
 * A TCP relay between the browser and the site whose connections the tests can cut: the network drop of the
 * resume scenario. Chromium's offline emulation does not end a response that is already streaming, and request
 * interception buffers whole responses, so the cut happens here, below HTTP, as a real dropped connection would.
 */
import { createServer as createHttpServer } from "node:http";
import { connect, createServer, type Socket } from "node:net";

export interface CutProxy {
	/** What the browser uses as the site's origin. */
	url: string;
	/** POST here drops every open connection through the relay; answers `{ cut: <connections> }`. */
	controlUrl: string;
	close(): Promise<void>;
}

async function listen(server: { listen(port: number, host: string, cb: () => void): unknown }, host: string) {
	await new Promise<void>((resolve) => server.listen(0, host, resolve));
}

function portOf(server: { address(): unknown }): number {
	const address = server.address();
	if (typeof address !== "object" || address === null || !("port" in address))
		throw new Error("not listening");
	return Number(address.port);
}

export async function startCutProxy(targetPort: number, host = "127.0.0.1"): Promise<CutProxy> {
	const open = new Set<[Socket, Socket]>();
	const relay = createServer((client) => {
		const upstream = connect(targetPort, host);
		const pair: [Socket, Socket] = [client, upstream];
		open.add(pair);
		client.pipe(upstream);
		upstream.pipe(client);
		const link = (from: Socket, to: Socket) => {
			from.on("error", () => to.destroy());
			from.on("close", () => {
				to.destroy();
				open.delete(pair);
			});
		};
		link(client, upstream);
		link(upstream, client);
	});
	const control = createHttpServer((req, res) => {
		if (req.method !== "POST") {
			res.writeHead(405).end();
			return;
		}
		const cut = open.size;
		// RST, as a dropped network gives: the browser sees the response break off mid-body.
		for (const [client, upstream] of open) {
			client.resetAndDestroy();
			upstream.destroy();
		}
		open.clear();
		res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ cut }));
	});
	await listen(relay, host);
	await listen(control, host);
	return {
		url: `http://${host}:${portOf(relay)}`,
		controlUrl: `http://${host}:${portOf(control)}/cut`,
		async close() {
			for (const pair of open) for (const socket of pair) socket.destroy();
			await Promise.all([
				new Promise((resolve) => relay.close(resolve)),
				new Promise((resolve) => control.close(resolve)),
			]);
		},
	};
}
