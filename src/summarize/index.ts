export type { Summarizer } from './summarizer.js';
export { createExtractiveSummarizer } from './extractive-summarizer.js';
export { formatTranscript, speakerOf } from './transcript.js';
export { prepareSummary, compactConversation, type SummaryPolicyOptions, type SummaryPolicyResult, type SummaryStatus } from './policy.js';
