package io.sightline.segment;

import io.sightline.wire.JpegCheck;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_H264;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;

/**
 * {@code sightline.segment.codec=h264}: decodes each JPEG and encodes H.264 into Matroska with FFmpeg's H.264
 * encoder of the bundled build (OpenH264 in the LGPL build). Costs receiver CPU, saves disk.
 */
public class H264Muxer implements VideoMuxer {

    private final int bitrate;

    public H264Muxer(int bitrate) {
        this.bitrate = bitrate;
    }

    @Override
    public String codec() {
        return "h264";
    }

    @Override
    public void mux(List<FrameRef> frames, long interval, JpegCheck.Size size, Path target) throws IOException {
        FrameRef first = frames.get(0);
        OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat();
        try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(target.toFile(), size.width(), size.height(), 0);
             FrameReader reader = new FrameReader()) {
            recorder.setFormat("matroska");
            recorder.setVideoCodec(AV_CODEC_ID_H264);
            recorder.setPixelFormat(AV_PIX_FMT_YUV420P);
            recorder.setFrameRate(1000.0 / Math.max(1, interval));
            recorder.setVideoBitrate(bitrate);
            recorder.setGopSize(Math.max(1, (int) (2000 / Math.max(1, interval))));
            recorder.start();
            long previous = -1;
            for (FrameRef f : frames) {
                try (Mat encoded = new Mat(reader.jpeg(f));
                     Mat image = imdecode(encoded, IMREAD_COLOR)) {
                    if (image.empty()) {
                        throw new IOException("stored frame " + f.frame() + " in " + f.log() + " does not decode");
                    }
                    // time base is one interval: place each frame at its capture time, never two in one slot
                    long slot = Math.max(previous + 1, Math.round((double) (f.captureTime() - first.captureTime()) / interval));
                    recorder.setFrameNumber((int) slot);
                    previous = slot;
                    recorder.record(converter.convert(image)); // the recorder scales a frame of another size
                }
            }
            recorder.stop();
        }
    }
}
