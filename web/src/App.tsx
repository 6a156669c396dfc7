import { lazy, Suspense } from "react";
import { Layout } from "./components/Layout.tsx";
import { Spinner } from "./components/ui.tsx";
import { Link, matchRoute, useLocation } from "./lib/router.tsx";
import { ChatPage } from "./pages/ChatPage.tsx";
import { ConfirmPage } from "./pages/ConfirmPage.tsx";
import { SignInPage } from "./pages/SignInPage.tsx";

// Not needed for the first chat screen: loaded when visited.
const AccountPage = lazy(() => import("./pages/AccountPage.tsx"));
const ServicesPage = lazy(() => import("./pages/ServicesPage.tsx"));
const TopUpPage = lazy(() => import("./pages/TopUpPage.tsx"));
// The operator dashboard (and its chart library) is never part of an owner's first load.
const OperatorPage = lazy(() => import("./pages/operator/OperatorPage.tsx"));

function PageLoading() {
	return (
		<div className="page-loading">
			<Spinner label="Loading" size={22} />
		</div>
	);
}

function NotFound() {
	return (
		<div className="page narrow empty-page">
			<h1>Page not found</h1>
			<p className="muted">There is nothing at this address.</p>
			<Link to="/" className="btn btn-primary">
				Start a chat
			</Link>
		</div>
	);
}

export function App() {
	const { pathname, search } = useLocation();
	const route = matchRoute(pathname);
	return (
		<Layout route={route}>
			<Suspense fallback={<PageLoading />}>
				{route.name === "chat" ? (
					<ChatPage conversationId={route.conversationId} />
				) : route.name === "services" ? (
					<ServicesPage />
				) : route.name === "account" ? (
					<AccountPage />
				) : route.name === "signin" ? (
					<SignInPage />
				) : route.name === "confirm" ? (
					<ConfirmPage quoteId={route.quoteId} />
				) : route.name === "operator" ? (
					<OperatorPage />
				) : route.name === "top-up" ? (
					// Stripe Checkout comes back with ?status=success or ?status=cancelled.
					<TopUpPage
						topUpId={route.topUpId}
						returned={search.get("status") === "cancelled" ? "cancelled" : "success"}
					/>
				) : (
					<NotFound />
				)}
			</Suspense>
		</Layout>
	);
}
