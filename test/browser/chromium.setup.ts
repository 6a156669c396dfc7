import { ChromiumMissing, ensureChromium } from "../../scripts/ensure-chromium.ts";

/**
 * Runs before the browser project's stack starts: installs Chromium when it is missing and it can (root or
 * passwordless sudo), otherwise fails the project with one line saying what to run.
 */
export default function setup(): void {
	try {
		ensureChromium((line) => process.stderr.write(`[browser setup] ${line}\n`));
	} catch (error) {
		// Only the line, without a stack trace: it is an instruction, not a bug.
		if (error instanceof ChromiumMissing)
			throw Object.assign(new Error(error.message), { stack: error.message });
		throw error;
	}
}
