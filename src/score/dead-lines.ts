/** The dead-letter line of a file or pipe run: file mode names the 0-based data row, pipe mode the 1-based input line. */
export const deadLine = (row: number, reason: string, payload: string, key: 'row' | 'line' = 'row') => JSON.stringify({ [key]: row, reason, payload });
