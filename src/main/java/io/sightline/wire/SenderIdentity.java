package io.sightline.wire;

/**
 * Who a sender is on the wire: its device id, the stream id of this run (new at each start) and its device key,
 * from which its datagram, command and HTTP credentials derive ({@link DeviceKeys}).
 */
public record SenderIdentity(String device, String stream, byte[] deviceKey) {

    public byte[] datagramKey() {
        return DeviceKeys.datagramKey(deviceKey);
    }

    public String httpToken() {
        return DeviceKeys.httpToken(device, deviceKey);
    }
}
