package io.sightline.segment;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Reads stored JPEGs back from their frame logs for a muxer, keeping the log of the current frames open. */
final class FrameReader implements AutoCloseable {

    private String open;
    private FileChannel channel;

    byte[] jpeg(FrameRef frame) throws IOException {
        if (!frame.log().equals(open)) {
            close();
            channel = FileChannel.open(Path.of(frame.log()), StandardOpenOption.READ);
            open = frame.log();
        }
        byte[] jpeg = new byte[frame.length()];
        ByteBuffer buffer = ByteBuffer.wrap(jpeg);
        long at = frame.offset();
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, at);
            if (n < 0) {
                throw new EOFException("frame " + frame.frame() + " is cut short in " + frame.log());
            }
            at += n;
        }
        return jpeg;
    }

    @Override
    public void close() throws IOException {
        if (channel != null) {
            channel.close();
            channel = null;
            open = null;
        }
    }
}
