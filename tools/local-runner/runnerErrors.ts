/** A configuration problem that stops start-up; main prints its message as one line and exits 1. */
export class RunnerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
