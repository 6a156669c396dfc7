import type { Merchant } from "../merchant.ts";
import { fooddash } from "./fooddash.ts";
import { skycast } from "./skycast.ts";

/** Every sandbox merchant; each is mounted at `/<id>` and serves `providers/<id>/openapi.yaml`. */
export const MERCHANTS: readonly Merchant[] = [skycast, fooddash];
