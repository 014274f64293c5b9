/** The typed errors training raises (shown to the user with their hint). */
import { DrmmError } from '../errors';

export function cancelled(): DrmmError {
  return new DrmmError('CANCELLED', 'Training was cancelled.', { hint: 'Start the run again to train it.' });
}

export function invalidConfig(message: string, hint: string): DrmmError {
  return new DrmmError('INVALID_CONFIG', message, { hint });
}
