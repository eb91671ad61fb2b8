package io.sightline.detect;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a small ONNX model in the YOLOv8 output format, encoding the protobuf by hand (no ONNX tooling here):
 * input {@code images [1, 3, size, size]} → 1×1 Conv with zero weights and the given bias → Reshape to
 * {@code [1, 4 + classes, size·size]}. Every candidate is therefore the same box and scores: {@code bias}.
 */
final class TinyOnnx {

    private TinyOnnx() {
    }

    static Path write(Path file, int size, float[] bias) throws Exception {
        int channels = bias.length;
        Proto graph = new Proto()
                .message(1, node("Conv", new String[] {"images", "W", "B"}, "features"))
                .message(1, node("Reshape", new String[] {"features", "shape"}, "output0"))
                .string(2, "tiny-yolo")
                .message(5, floatTensor("W", new float[channels * 3], channels, 3, 1, 1))
                .message(5, floatTensor("B", bias, channels))
                .message(5, longTensor("shape", 1, channels, -1))
                .message(11, valueInfo("images", 1, 3, size, size))
                .message(12, valueInfo("output0", 1, channels, (long) size * size));
        Proto model = new Proto()
                .varint(1, 7)                                         // ir_version
                .message(8, new Proto().string(1, "").varint(2, 13))  // opset_import: default domain, opset 13
                .message(7, graph);
        Files.write(file, model.bytes());
        return file;
    }

    private static Proto node(String op, String[] inputs, String output) {
        Proto node = new Proto();
        for (String input : inputs) {
            node.string(1, input);
        }
        return node.string(2, output).string(3, op.toLowerCase()).string(4, op);
    }

    private static Proto floatTensor(String name, float[] values, long... dims) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            raw.putFloat(v);
        }
        return tensor(name, 1, raw.array(), dims);
    }

    private static Proto longTensor(String name, long... values) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            raw.putLong(v);
        }
        return tensor(name, 7, raw.array(), values.length);
    }

    /** TensorProto: dims (1), data_type (2: 1 float, 7 int64), name (8), raw_data (9). */
    private static Proto tensor(String name, int type, byte[] raw, long... dims) {
        Proto t = new Proto();
        for (long d : dims) {
            t.varint(1, d);
        }
        return t.varint(2, type).string(8, name).bytes(9, raw);
    }

    /** ValueInfoProto of a float tensor: name (1), type (2) → tensor_type (1) → elem_type (1), shape (2) → dim (1). */
    private static Proto valueInfo(String name, long... dims) {
        Proto shape = new Proto();
        for (long d : dims) {
            shape.message(1, new Proto().varint(1, d));
        }
        return new Proto().string(1, name).message(2, new Proto().message(1, new Proto().varint(1, 1).message(2, shape)));
    }

    /** Protobuf wire format: varints and length-delimited fields are all this model needs. */
    private static final class Proto {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Proto varint(int field, long value) {
            raw((long) field << 3);
            raw(value);
            return this;
        }

        Proto bytes(int field, byte[] value) {
            raw(((long) field << 3) | 2);
            raw(value.length);
            out.writeBytes(value);
            return this;
        }

        Proto string(int field, String value) {
            return bytes(field, value.getBytes(StandardCharsets.UTF_8));
        }

        Proto message(int field, Proto value) {
            return bytes(field, value.bytes());
        }

        byte[] bytes() {
            return out.toByteArray();
        }

        private void raw(long value) {
            while ((value & ~0x7FL) != 0) {
                out.write((int) ((value & 0x7F) | 0x80));
                value >>>= 7;
            }
            out.write((int) value);
        }
    }
}
