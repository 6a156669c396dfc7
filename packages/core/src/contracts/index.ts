export * from "./chat.ts";
export * from "./gateway.ts";
export * from "./identity.ts";
export * from "./metrics.ts";
export * from "./money.ts";
export * from "./problem.ts";
export * from "./result.ts";
export * from "./services.ts";
