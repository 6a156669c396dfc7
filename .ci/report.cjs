// Reads vitest's JSON report (argv[2]). Prints to stderr each failed test with the first lines of its error (an error
// shared by many tests once, with up to five of their names), then to stdout "passed failed skipped". A missing or
// unreadable report counts as no test run.
const fs = require("node:fs");

let report = {};
try {
	report = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
} catch {}
const count = (key) => (Number.isInteger(report[key]) ? report[key] : 0);
// Colour codes out (ESC, then `[…m`).
const plain = (text) => String(text).replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g"), "");

const byError = new Map();
for (const file of report.testResults ?? []) {
	for (const test of file.assertionResults ?? []) {
		if (test.status !== "failed") continue;
		const lines = plain((test.failureMessages ?? [])[0] ?? "(no message)").split("\n");
		const error = lines
			.slice(0, 4)
			.map((line) => line.slice(0, 300))
			.join("\n      ");
		const name = `${String(file.name).replace(`${process.cwd()}/`, "")} > ${test.fullName}`;
		byError.set(error, [...(byError.get(error) ?? []), name]);
	}
}
for (const [error, names] of byError) {
	for (const name of names.slice(0, 5)) console.error(`FAILED ${name}`);
	if (names.length > 5) console.error(`FAILED … and ${names.length - 5} more with the same error`);
	console.error(`      ${error}`);
}
console.log(
	count("numPassedTests"),
	count("numFailedTests"),
	count("numPendingTests") + count("numTodoTests"),
);
