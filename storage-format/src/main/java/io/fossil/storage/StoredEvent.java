package io.fossil.storage;

/**
 * An event as stored ({@link EventRecord}): its stream, position, optional id (null for none),
 * type, payload, metadata, commit time in epoch milliseconds. The arrays are not copied.
 */
public record StoredEvent(
    String stream,
    long position,
    String id,
    String type,
    byte[] data,
    byte[] metadata,
    long time) {}
