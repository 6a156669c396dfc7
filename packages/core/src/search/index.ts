export * from "./build.ts";
export * from "./cache.ts";
export type { SearchIndexData, ServiceRow, ToolRow } from "./format.ts";
export { answeringRequest } from "./quiet.ts";
export * from "./read.ts";
export { parseSearchIndex, parseSearchIndexInSlices, serializeSearchIndex } from "./stored.ts";
