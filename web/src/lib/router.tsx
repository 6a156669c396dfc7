import { type AnchorHTMLAttributes, type MouseEvent, useSyncExternalStore } from "react";

/** Client-side routing on the History API: a handful of routes does not need a router library. */

export type Route =
	| { name: "chat"; conversationId: string | null }
	| { name: "services" }
	| { name: "account" }
	| { name: "signin" }
	| { name: "confirm"; quoteId: string }
	| { name: "top-up"; topUpId: string }
	| { name: "operator" }
	| { name: "not-found" };

const listeners = new Set<() => void>();

function notify(): void {
	for (const listener of listeners) listener();
}

window.addEventListener("popstate", notify);

function subscribe(listener: () => void): () => void {
	listeners.add(listener);
	return () => listeners.delete(listener);
}

function snapshot(): string {
	return window.location.pathname + window.location.search;
}

export interface NavigateOptions {
	replace?: boolean;
	/** Keep the scroll position and focus (the chat naming its new conversation, say). */
	quiet?: boolean;
}

/** Set on a navigation that must not move focus. */
let quietNavigation = false;

export function consumeQuietNavigation(): boolean {
	const quiet = quietNavigation;
	quietNavigation = false;
	return quiet;
}

export function navigate(to: string, options: NavigateOptions = {}): void {
	if (to === snapshot()) return;
	quietNavigation = options.quiet === true;
	if (options.replace) window.history.replaceState(null, "", to);
	else window.history.pushState(null, "", to);
	if (!options.quiet) window.scrollTo(0, 0);
	notify();
}

export function useLocation(): { pathname: string; search: URLSearchParams; href: string } {
	const href = useSyncExternalStore(subscribe, snapshot);
	const url = new URL(href, window.location.origin);
	return { pathname: url.pathname, search: url.searchParams, href };
}

function decode(segment: string): string | null {
	try {
		return decodeURIComponent(segment);
	} catch {
		return null;
	}
}

export function matchRoute(pathname: string): Route {
	const path = pathname.length > 1 ? pathname.replace(/\/+$/, "") : pathname;
	if (path === "/") return { name: "chat", conversationId: null };
	if (path === "/services") return { name: "services" };
	if (path === "/account") return { name: "account" };
	if (path === "/signin") return { name: "signin" };
	if (path === "/operator") return { name: "operator" };
	const conversation = /^\/c\/([^/]+)$/.exec(path);
	if (conversation?.[1]) {
		const id = decode(conversation[1]);
		if (id) return { name: "chat", conversationId: id };
	}
	const confirm = /^\/confirm\/([^/]+)$/.exec(path);
	if (confirm?.[1]) {
		const quoteId = decode(confirm[1]);
		if (quoteId) return { name: "confirm", quoteId };
	}
	const topUp = /^\/account\/top-up\/([^/]+)$/.exec(path);
	if (topUp?.[1]) {
		const topUpId = decode(topUp[1]);
		if (topUpId) return { name: "top-up", topUpId };
	}
	return { name: "not-found" };
}

/** A path on this site to come back to after signing in (never another origin). */
export function safeNext(next: string | null): string {
	if (!next?.startsWith("/") || next.startsWith("//") || next.startsWith("/signin")) return "/";
	return next;
}

export function signInHref(next = snapshot()): string {
	return `/signin?next=${encodeURIComponent(safeNext(next))}`;
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { to: string };

/** An ordinary link (middle click, new tab and copy address keep working) that navigates in place. */
export function Link({ to, onClick, ...rest }: LinkProps) {
	function handleClick(event: MouseEvent<HTMLAnchorElement>) {
		onClick?.(event);
		if (
			event.defaultPrevented ||
			event.button !== 0 ||
			event.metaKey ||
			event.ctrlKey ||
			event.shiftKey ||
			event.altKey ||
			rest.target
		) {
			return;
		}
		event.preventDefault();
		navigate(to);
	}
	return <a href={to} onClick={handleClick} {...rest} />;
}
