import { describe, expect, it } from "vitest";
import { answeringRequest, yieldToEventLoop } from "../src/search/quiet.ts";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe("a background load's slices wait for the requests in flight", () => {
	it("with no request in flight, the next slice runs a millisecond on", async () => {
		const order: string[] = [];
		const timer = sleep(5).then(() => order.push("5 ms later"));
		await yieldToEventLoop().then(() => order.push("slice"));
		await timer;
		expect(order).toEqual(["slice", "5 ms later"]);
	});

	it("a slice waits until the request in flight has answered", async () => {
		const order: string[] = [];
		let answer = () => {};
		const request = answeringRequest(async () => {
			await new Promise<void>((resolve) => {
				answer = resolve;
			});
			order.push("answered");
		});
		const slice = yieldToEventLoop().then(() => order.push("slice"));
		await sleep(5);
		expect(order).toEqual([]);
		answer();
		await Promise.all([request, slice]);
		expect(order).toEqual(["answered", "slice"]);
	});

	it("under a request that never ends, a slice still runs after its tries (the load ends)", async () => {
		let answer = () => {};
		const request = answeringRequest(
			() =>
				new Promise<void>((resolve) => {
					answer = resolve;
				}),
		);
		let ran = false;
		await yieldToEventLoop().then(() => {
			ran = true;
		});
		expect(ran).toBe(true);
		answer();
		await request;
	});

	it("a request that fails is no longer counted", async () => {
		await expect(
			answeringRequest(async () => {
				throw new Error("boom");
			}),
		).rejects.toThrow("boom");
		const order: string[] = [];
		const timer = sleep(3).then(() => order.push("3 ms later"));
		await yieldToEventLoop().then(() => order.push("slice"));
		await timer;
		expect(order).toEqual(["slice", "3 ms later"]);
	});
});
