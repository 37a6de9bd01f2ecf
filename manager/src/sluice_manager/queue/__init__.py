"""Writing into the queue: event batches, content blobs and stored-text normalisation."""
