import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/** The chat Worker `npm start` runs; `npm run web:dev` proxies /api to it, as the Pages Function does when deployed. */
const CHAT_API = "http://127.0.0.1:8789";

export default defineConfig({
	plugins: [react()],
	build: {
		outDir: "dist",
		emptyOutDir: true,
		target: "es2022",
		reportCompressedSize: true,
	},
	server: {
		host: "127.0.0.1",
		port: 5173,
		strictPort: true,
		proxy: {
			"/api": {
				target: CHAT_API,
				changeOrigin: true,
				// The chat Worker refuses writes from origins other than the site's; the dev server is not it.
				configure: (proxy) => {
					proxy.on("proxyReq", (request) => request.removeHeader("origin"));
				},
			},
		},
	},
});
