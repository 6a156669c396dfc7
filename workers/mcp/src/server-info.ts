/** Who this server says it is, shared by the Streamable HTTP server and the legacy SSE session. */
export const SERVER_INFO = { name: "penumbra", version: "0.1.0" } as const;

export const INSTRUCTIONS =
	"Penumbra lets you find and use real-world services (food delivery, rides, restaurant tables, shopping, weather, travel…) and buy from them with the user's prepaid balance. Start with get_started, find a service with search_services, see its tools with list_tools, then call one with execute. Purchases always return a quote first; the user's spend controls decide what needs their confirmation.";
