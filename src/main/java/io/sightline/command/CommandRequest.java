package io.sightline.command;

/** The body of {@code POST /api/v1/devices/{id}/commands}: {@code {"command": "WAIT" | "RESUME"}}. */
public record CommandRequest(String command) {
}
