package io.fossil.owner;

/** An event as stored: its stream, position, optional id, type, payload, metadata, commit time. */
public record StoredEvent(
    String stream,
    long position,
    String id,
    String type,
    byte[] data,
    byte[] metadata,
    long time) {}
