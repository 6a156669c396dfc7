/**
 * Runs a bench's `main` and exits with its code once `stopEverything` is done; SIGINT or SIGTERM stops everything
 * and exits 130, and a failure after an interrupt is not reported again.
 */
export function runBench(
	say: (line: string) => void,
	main: () => Promise<number>,
	stopEverything: () => Promise<void>,
): void {
	let interrupted = false;
	for (const signal of ["SIGINT", "SIGTERM"] as const) {
		process.on(signal, () => {
			if (interrupted) return;
			interrupted = true;
			say(`${signal}: stopping…`);
			void stopEverything().then(() => process.exit(130));
		});
	}
	main()
		.then(async (code) => {
			await stopEverything();
			process.exit(code);
		})
		.catch(async (error: unknown) => {
			if (interrupted) return;
			say(`failed: ${error instanceof Error ? error.message : String(error)}`);
			await stopEverything();
			process.exit(1);
		});
}
