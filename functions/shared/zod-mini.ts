import { en } from 'zod/locales';
import { config } from 'zod/mini';

// zod/mini ships no locale: without this its issues all read "Invalid input" (decision 58).
config(en());

/**
 * zod/mini with zod's English messages: the schemas the webhook's bundle reaches use it, because
 * one classic zod schema anywhere in a bundle costs ≈90 KB (decision 58).
 */
export * from 'zod/mini';
