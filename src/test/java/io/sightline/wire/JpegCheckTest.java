package io.sightline.wire;

import io.sightline.capture.JpegEncoder;
import io.sightline.capture.SyntheticSource;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JpegCheckTest {

    private static byte[] jpeg() {
        SyntheticSource source = new SyntheticSource(320, 240);
        source.open();
        try {
            return new JpegEncoder(80).encode(source.grab());
        } finally {
            source.close();
        }
    }

    @Test
    void readsTheDimensionsOfARealJpeg() {
        assertThat(JpegCheck.inspect(jpeg(), 1 << 20)).isEqualTo(new JpegCheck.Size(320, 240));
    }

    @Test
    void rejectsTruncatedForeignAndOversizedBodies() {
        byte[] jpeg = jpeg();
        assertThatThrownBy(() -> JpegCheck.inspect(Arrays.copyOf(jpeg, jpeg.length - 10), 1 << 20))
                .extracting("status").isEqualTo(415);
        assertThatThrownBy(() -> JpegCheck.inspect("GIF89a......".getBytes(), 1 << 20))
                .extracting("status").isEqualTo(415);
        assertThatThrownBy(() -> JpegCheck.inspect(jpeg, jpeg.length - 1))
                .extracting("status").isEqualTo(413);
        byte[] noFrameHeader = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xD9};
        assertThatThrownBy(() -> JpegCheck.inspect(noFrameHeader, 1 << 20)).extracting("status").isEqualTo(415);
    }
}
