import { type ReactNode, useEffect, useRef, useState } from "react";
import { IconCheck, IconCopy } from "./icons.tsx";

export function Spinner({ label, size = 16 }: { label?: string; size?: number }) {
	const wheel = <span className="spinner" style={{ width: size, height: size }} aria-hidden="true" />;
	if (!label) return wheel;
	return (
		<span role="status">
			{wheel}
			<span className="visually-hidden">{label}</span>
		</span>
	);
}

async function writeClipboard(text: string): Promise<boolean> {
	try {
		await navigator.clipboard.writeText(text);
		return true;
	} catch {
		// Older browsers, or no permission: the selection way.
		const area = document.createElement("textarea");
		area.value = text;
		area.setAttribute("readonly", "");
		area.style.position = "fixed";
		area.style.opacity = "0";
		document.body.append(area);
		area.select();
		const ok = document.execCommand("copy");
		area.remove();
		return ok;
	}
}

export function CopyButton({
	text,
	label = "Copy",
	testId,
	className = "btn btn-secondary btn-sm",
}: {
	text: string;
	label?: string;
	testId?: string;
	className?: string;
}) {
	const [copied, setCopied] = useState(false);
	const timer = useRef<number | undefined>(undefined);
	useEffect(() => () => window.clearTimeout(timer.current), []);
	return (
		<button
			type="button"
			className={className}
			data-testid={testId}
			onClick={async () => {
				if (await writeClipboard(text)) {
					setCopied(true);
					window.clearTimeout(timer.current);
					timer.current = window.setTimeout(() => setCopied(false), 2000);
				}
			}}
		>
			{copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
			<span>{copied ? "Copied" : label}</span>
			<span className="visually-hidden" aria-live="polite">
				{copied ? "Copied to the clipboard" : ""}
			</span>
		</button>
	);
}

export function CodeBlock({ code, label, testId }: { code: string; label: string; testId?: string }) {
	return (
		<div className="code-block" data-testid={testId}>
			<div className="code-block-bar">
				<span>{label}</span>
				<CopyButton text={code} label="Copy" className="btn btn-ghost btn-sm" />
			</div>
			<pre>
				<code>{code}</code>
			</pre>
		</div>
	);
}

export function Notice({
	tone = "info",
	children,
	testId,
	role,
}: {
	tone?: "info" | "error" | "warning" | "success";
	children: ReactNode;
	testId?: string;
	role?: "alert" | "status";
}) {
	return (
		<div className={`notice notice-${tone}`} data-testid={testId} role={role}>
			{children}
		</div>
	);
}

/** Re-renders every second while `active`: for countdowns. */
export function useNow(active = true): number {
	const [now, setNow] = useState(() => Date.now());
	useEffect(() => {
		if (!active) return;
		const id = window.setInterval(() => setNow(Date.now()), 1000);
		return () => window.clearInterval(id);
	}, [active]);
	return now;
}
