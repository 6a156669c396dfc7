import type { Merchant } from "../merchant.ts";
import { careerlink } from "./careerlink.ts";
import { flyaway } from "./flyaway.ts";
import { fooddash } from "./fooddash.ts";
import { freshcart } from "./freshcart.ts";
import { glowbeauty } from "./glowbeauty.ts";
import { newswire } from "./newswire.ts";
import { ridenow } from "./ridenow.ts";
import { shipfast } from "./shipfast.ts";
import { skycast } from "./skycast.ts";
import { sportsline } from "./sportsline.ts";
import { staywell } from "./staywell.ts";
import { tablebook } from "./tablebook.ts";
import { tixhub } from "./tixhub.ts";

/** Every sandbox merchant; each is mounted at `/<id>` and serves `providers/<id>/openapi.yaml`. */
export const MERCHANTS: readonly Merchant[] = [
	skycast,
	fooddash,
	ridenow,
	shipfast,
	sportsline,
	careerlink,
	newswire,
	staywell,
	tablebook,
	glowbeauty,
	freshcart,
	tixhub,
	flyaway,
];
