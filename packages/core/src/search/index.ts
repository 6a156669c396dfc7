export * from "./cache.ts";
export * from "./read.ts";
