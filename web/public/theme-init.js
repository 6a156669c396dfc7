try {
	const theme = localStorage.getItem("penumbra-theme");
	if (theme === "light" || theme === "dark") document.documentElement.dataset.theme = theme;
} catch {
	// Storage blocked: the system theme applies.
}
