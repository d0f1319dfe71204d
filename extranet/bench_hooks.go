package extranet

// What the load generator (package bench) needs to know of the extranet's
// inner workings, kept apart from the code it describes.

// NightBatchSize is the number of persons a night run opens per
// transaction. The crash test uses it to count a night run's transactions,
// so that it can kill the run inside any of them.
const NightBatchSize = nightBatch
