import { MERCHANTS } from "./merchants/index.ts";
import { createSandbox } from "./sandbox.ts";

export { MerchantStore } from "./store.ts";

export default createSandbox(MERCHANTS);
