/** An input the engine refuses (NaN label, ±Inf feature, bad category code…); `column` names the feature index when there is one. */
export class GbdtInputError extends RangeError {
  readonly column?: number;
  constructor(message: string, column?: number) {
    super(message);
    this.name = 'GbdtInputError';
    this.column = column;
  }
}
