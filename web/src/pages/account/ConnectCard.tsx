import { type KeyboardEvent, useId, useRef, useState } from "react";
import { CodeBlock, CopyButton } from "../../components/ui.tsx";

const CLIENTS = ["claude", "cursor", "mcp-remote"] as const;
type Client = (typeof CLIENTS)[number];
const CLIENT_NAMES: Record<Client, string> = {
	claude: "Claude Desktop",
	cursor: "Cursor",
	"mcp-remote": "mcp-remote",
};

export function ConnectCard({ mcpUrl, apiKey }: { mcpUrl: string; apiKey: string | null }) {
	const [tab, setTab] = useState<Client>("claude");
	const base = useId();
	const tabs = useRef<(HTMLButtonElement | null)[]>([]);
	const keyText = apiKey ?? "<your API key>";
	const signinUrl = `${mcpUrl}/signin`;

	const cursorJson = JSON.stringify(
		{ mcpServers: { penumbra: { url: mcpUrl, headers: { Authorization: `Bearer ${keyText}` } } } },
		null,
		2,
	);
	const remoteJson = JSON.stringify(
		{ mcpServers: { penumbra: { command: "npx", args: ["-y", "mcp-remote", signinUrl] } } },
		null,
		2,
	);
	const remoteKeyJson = JSON.stringify(
		{
			mcpServers: {
				penumbra: {
					command: "npx",
					// mcp-remote expands ${PENUMBRA_AUTH} itself: a header value with spaces breaks some clients' argument lists.
					// biome-ignore lint/suspicious/noTemplateCurlyInString: a literal placeholder for mcp-remote, not a template.
					args: ["-y", "mcp-remote", mcpUrl, "--header", "Authorization:${PENUMBRA_AUTH}"],
					env: { PENUMBRA_AUTH: `Bearer ${keyText}` },
				},
			},
		},
		null,
		2,
	);

	function onKeyDown(event: KeyboardEvent<HTMLButtonElement>) {
		const index = CLIENTS.indexOf(tab);
		let next = index;
		if (event.key === "ArrowRight") next = (index + 1) % CLIENTS.length;
		else if (event.key === "ArrowLeft") next = (index - 1 + CLIENTS.length) % CLIENTS.length;
		else if (event.key === "Home") next = 0;
		else if (event.key === "End") next = CLIENTS.length - 1;
		else return;
		event.preventDefault();
		const client = CLIENTS[next];
		if (client) {
			setTab(client);
			tabs.current[next]?.focus();
		}
	}

	return (
		<section className="card" aria-labelledby="connect-heading" id="connect">
			<div className="card-head">
				<h2 id="connect-heading">Connect your assistant</h2>
			</div>
			<p className="muted">
				Use Penumbra from the assistant you already have. It gets the same five tools, your balance and your
				limits.
			</p>
			<div className="tabs" role="tablist" aria-label="Assistant" data-testid="connect-tabs">
				{CLIENTS.map((client, i) => (
					<button
						key={client}
						ref={(el) => {
							tabs.current[i] = el;
						}}
						type="button"
						role="tab"
						id={`${base}-tab-${client}`}
						aria-selected={tab === client}
						aria-controls={`${base}-panel-${client}`}
						tabIndex={tab === client ? 0 : -1}
						className="tab"
						onClick={() => setTab(client)}
						onKeyDown={onKeyDown}
						data-testid={`connect-tab-${client}`}
					>
						{CLIENT_NAMES[client]}
					</button>
				))}
			</div>
			<div
				role="tabpanel"
				id={`${base}-panel-${tab}`}
				aria-labelledby={`${base}-tab-${tab}`}
				className="tab-panel"
				data-testid="connect-panel"
			>
				{tab === "claude" ? (
					<>
						<ol className="steps">
							<li>
								In Claude Desktop open <strong>Settings → Connectors</strong> and choose{" "}
								<strong>Add custom connector</strong>.
							</li>
							<li>Name it “Penumbra” and paste this URL:</li>
						</ol>
						<div className="url-row">
							<code className="url-code" data-testid="connect-url">
								{signinUrl}
							</code>
							<CopyButton text={signinUrl} label="Copy URL" testId="connect-copy-url" />
						</div>
						<ol className="steps" start={3}>
							<li>Claude opens a sign-in page: sign in with your email code (or an API key). Done.</li>
						</ol>
					</>
				) : tab === "cursor" ? (
					<>
						<p>
							Add this to <code>.cursor/mcp.json</code> in your project (or <code>~/.cursor/mcp.json</code>{" "}
							for all projects).
							{apiKey ? " It includes the key you just created." : " Create an API key above and put it in."}
						</p>
						<CodeBlock code={cursorJson} label=".cursor/mcp.json" testId="connect-snippet" />
					</>
				) : (
					<>
						<p>
							For clients that only run local servers: <code>mcp-remote</code> bridges to Penumbra and opens
							the sign-in page in your browser the first time.
						</p>
						<CodeBlock code={remoteJson} label="MCP client config" testId="connect-snippet" />
						<p>Or connect with an API key instead of signing in:</p>
						<CodeBlock code={remoteKeyJson} label="MCP client config (API key)" />
					</>
				)}
			</div>
		</section>
	);
}
