import { useCallback, useEffect, useState } from "react";

export type Theme = "light" | "dark";

const KEY = "penumbra-theme";
const query = window.matchMedia("(prefers-color-scheme: dark)");

function stored(): Theme | null {
	try {
		const value = localStorage.getItem(KEY);
		return value === "light" || value === "dark" ? value : null;
	} catch {
		return null;
	}
}

function effective(): Theme {
	return stored() ?? (query.matches ? "dark" : "light");
}

/** The system's theme until the person picks one; the pick is remembered (public/theme-init.js applies it early). */
export function useTheme(): { theme: Theme; toggle: () => void } {
	const [theme, setTheme] = useState<Theme>(effective);

	useEffect(() => {
		const follow = () => {
			if (!stored()) setTheme(query.matches ? "dark" : "light");
		};
		query.addEventListener("change", follow);
		return () => query.removeEventListener("change", follow);
	}, []);

	useEffect(() => {
		const meta = document.querySelectorAll<HTMLMetaElement>('meta[name="theme-color"]');
		for (const m of meta) m.content = theme === "dark" ? "#111216" : "#f7f7f8";
	}, [theme]);

	const toggle = useCallback(() => {
		const next: Theme = effective() === "dark" ? "light" : "dark";
		document.documentElement.dataset.theme = next;
		try {
			localStorage.setItem(KEY, next);
		} catch {
			// Storage blocked: the choice lasts for this page.
		}
		setTheme(next);
	}, []);

	return { theme, toggle };
}
