import { type ReactNode, useEffect, useState } from "react";
import { Notice, Spinner } from "../../components/ui.tsx";
import { ApiError, describeError } from "../../lib/api.ts";

/** What one dashboard panel has: its data, or why not (each panel loads and fails on its own). */
export type PanelState<T> =
	| { status: "loading" }
	| { status: "ok"; data: T }
	/** The gateway has no such route (an older deployment): the panel says so instead of failing. */
	| { status: "unavailable" }
	| { status: "error"; message: string };

/**
 * Loads a panel's data whenever `key` changes; an ended operator session calls `onSessionEnded` (the page goes
 * back to the sign-in form) instead of showing an error in every panel.
 */
export function usePanel<T>(
	load: (signal: AbortSignal) => Promise<T>,
	key: string,
	onSessionEnded: () => void,
): PanelState<T> {
	const [state, setState] = useState<PanelState<T>>({ status: "loading" });
	// `key` names everything `load` depends on: a new key loads again.
	useEffect(() => {
		const controller = new AbortController();
		setState((previous) => (previous.status === "ok" ? previous : { status: "loading" }));
		load(controller.signal).then(
			(data) => setState({ status: "ok", data }),
			(error: unknown) => {
				if (controller.signal.aborted) return;
				if (error instanceof ApiError && error.status === 401) return onSessionEnded();
				if (error instanceof ApiError && error.status === 404) return setState({ status: "unavailable" });
				setState({ status: "error", message: describeError(error) });
			},
		);
		return () => controller.abort();
	}, [key]);
	return state;
}

/** A panel's card: its title, and its data, a spinner, "not available" or the error in plain words. */
export function Panel<T>({
	title,
	testId,
	state,
	unavailable,
	children,
	aside,
}: {
	title: string;
	testId: string;
	state: PanelState<T>;
	/** What is missing when the gateway has no route for this panel. */
	unavailable: string;
	children: (data: T) => ReactNode;
	aside?: ReactNode;
}) {
	return (
		<section
			className="card op-panel"
			data-testid={testId}
			data-state={state.status}
			aria-busy={state.status === "loading"}
		>
			<div className="card-head">
				<h2>{title}</h2>
				{aside}
			</div>
			{state.status === "loading" ? (
				<div className="op-panel-loading">
					<Spinner label={`Loading ${title.toLowerCase()}`} />
				</div>
			) : state.status === "unavailable" ? (
				<p className="muted" data-testid="op-unavailable">
					Not available on this gateway: {unavailable}
				</p>
			) : state.status === "error" ? (
				<Notice tone="error" testId="op-error" role="alert">
					{state.message}
				</Notice>
			) : (
				children(state.data)
			)}
		</section>
	);
}
