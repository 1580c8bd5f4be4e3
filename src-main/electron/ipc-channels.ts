/** The two IPC channels; every API method travels over IPC_INVOKE by name. */
export const IPC_INVOKE = 'loupe:invoke';
export const IPC_EVENT = 'loupe:event';
