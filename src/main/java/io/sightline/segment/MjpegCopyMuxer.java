package io.sightline.segment;

import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVIOContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVRational;
import io.sightline.wire.JpegCheck;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_MJPEG;
import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avcodec.av_new_packet;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_rescale_ts;
import static org.bytedeco.ffmpeg.global.avformat.AVIO_FLAG_WRITE;
import static org.bytedeco.ffmpeg.global.avformat.av_interleaved_write_frame;
import static org.bytedeco.ffmpeg.global.avformat.av_write_trailer;
import static org.bytedeco.ffmpeg.global.avformat.avformat_alloc_output_context2;
import static org.bytedeco.ffmpeg.global.avformat.avformat_free_context;
import static org.bytedeco.ffmpeg.global.avformat.avformat_new_stream;
import static org.bytedeco.ffmpeg.global.avformat.avformat_write_header;
import static org.bytedeco.ffmpeg.global.avformat.avio_closep;
import static org.bytedeco.ffmpeg.global.avformat.avio_open;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUVJ420P;
import static org.bytedeco.ffmpeg.global.avutil.av_make_q;
import static org.bytedeco.ffmpeg.global.avutil.av_strerror;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

/**
 * The default segment format: the received JPEGs copied unchanged into an MJPEG track of a Matroska file (no
 * decoding, no re-encoding), each packet stamped with its capture time relative to the first frame, in ms. Only a
 * frame of another size than the track's (a reduced live copy, until its full copy comes) is scaled.
 */
public class MjpegCopyMuxer implements VideoMuxer {

    /** JPEG quality of a reduced frame scaled up to the track's size: it adds no detail, so it needs no more. */
    private static final int RESCALED_QUALITY = 75;

    @Override
    public String codec() {
        return "mjpeg";
    }

    @Override
    public void mux(List<FrameRef> frames, long interval, JpegCheck.Size size, Path target) throws IOException {
        AVFormatContext ctx = new AVFormatContext(null);
        check(avformat_alloc_output_context2(ctx, null, "matroska", target.toString()), "allocate output");
        AVPacket packet = av_packet_alloc();
        boolean opened = false;
        try (FrameReader reader = new FrameReader()) {
            AVStream stream = avformat_new_stream(ctx, null);
            AVRational millis = av_make_q(1, 1000);
            stream.time_base(millis);
            AVCodecParameters par = stream.codecpar();
            par.codec_type(AVMEDIA_TYPE_VIDEO);
            par.codec_id(AV_CODEC_ID_MJPEG);
            par.format(AV_PIX_FMT_YUVJ420P);
            par.width(size.width());
            par.height(size.height());

            AVIOContext io = new AVIOContext(null);
            check(avio_open(io, target.toString(), AVIO_FLAG_WRITE), "open " + target);
            ctx.pb(io);
            opened = true;
            check(avformat_write_header(ctx, (AVDictionary) null), "write header");

            long origin = frames.get(0).captureTime();
            for (int i = 0; i < frames.size(); i++) {
                FrameRef f = frames.get(i);
                byte[] jpeg = f.width() == size.width() && f.height() == size.height() ? reader.jpeg(f) : scaled(reader.jpeg(f), size);
                long pts = f.captureTime() - origin;
                long next = i + 1 < frames.size() ? frames.get(i + 1).captureTime() - origin : pts + interval;
                check(av_new_packet(packet, jpeg.length), "allocate packet");
                packet.data().capacity(jpeg.length).put(jpeg);
                packet.pts(pts).dts(pts).duration(Math.max(1, next - pts)).stream_index(0).flags(AV_PKT_FLAG_KEY);
                av_packet_rescale_ts(packet, millis, stream.time_base());
                check(av_interleaved_write_frame(ctx, packet), "write frame " + f.frame());
            }
            check(av_write_trailer(ctx), "write trailer");
        } finally {
            av_packet_free(packet);
            if (opened) {
                avio_closep(ctx.pb());
            }
            avformat_free_context(ctx);
        }
    }

    /** A frame of another size (a reduced live copy) at the track's size: one track, one picture size. */
    private static byte[] scaled(byte[] jpeg, JpegCheck.Size size) throws IOException {
        try (Mat encoded = new Mat(jpeg);
             Mat image = imdecode(encoded, IMREAD_COLOR);
             Mat resized = new Mat();
             IntPointer params = new IntPointer(IMWRITE_JPEG_QUALITY, RESCALED_QUALITY);
             BytePointer buffer = new BytePointer()) {
            if (image.empty()) {
                throw new IOException("a stored frame does not decode");
            }
            resize(image, resized, new Size(size.width(), size.height()), 0, 0, INTER_LINEAR);
            if (!imencode(".jpg", resized, buffer, params)) {
                throw new IOException("OpenCV could not encode a scaled frame");
            }
            byte[] out = new byte[(int) buffer.limit()];
            buffer.get(out);
            return out;
        }
    }

    static void check(int result, String what) throws IOException {
        if (result < 0) {
            try (BytePointer message = new BytePointer(256)) {
                av_strerror(result, message, 256);
                throw new IOException("FFmpeg could not " + what + ": " + message.getString());
            }
        }
    }
}
