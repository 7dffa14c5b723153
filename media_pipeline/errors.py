"""Errors of the media pipeline: one root, each with a machine reason code and a Vietnamese message.

Every error the pipeline raises on bad input is a `MediaError`; callers catch the root, store
`str(error)` (the Vietnamese message, numbers with a decimal comma) for people and `error.code`
for machines. Anything else escaping the pipeline is a bug, not bad input.

Messages are gettext msgids in Vietnamese with ``%(name)s`` placeholders filled from the keyword
arguments given when the error is raised; floats are rounded to one decimal and formatted in the
active locale (vi: ``4,4``).
"""

import os

from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _


def tool_detail(stderr, path=None, empty=""):
    """The last non-blank line of a tool's `stderr` (bytes or str), stripped, at most 300
    characters, for an error message; the server's directory of `path` (the file the tool worked
    on) is left out, since people read the message. `empty` when stderr has no such line."""
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else (stderr or "")
    if path is not None:
        text = text.replace(str(path), os.path.basename(path))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else empty


class MediaError(Exception):
    """Root of the pipeline's errors: a file the pipeline cannot process.

    `code` is a stable ASCII reason (e.g. ``"pdf_encrypted"``), `params` the values in the message.
    `str(error)` is the message in the active language (Vietnamese by default).
    """

    code = "media_error"
    message = _("Không xử lí được tệp.")
    #: True for a passing failure (a tool that timed out or crashed) worth trying again later; False
    #: for a fault of the file itself (encrypted, corrupt, not audio) or of the server's set-up (a
    #: missing tool), where only a person can help.
    transient = False

    def __init__(self, message=None, **params):
        if message is not None:
            self.message = message
        self.params = params
        super().__init__(self.code, params)

    def __str__(self):
        values = {
            key: number_format(round(value, 1), decimal_pos=1) if isinstance(value, float) else value
            for key, value in self.params.items()
        }
        return str(self.message) % values if values else str(self.message)


class EmptyFile(MediaError):
    code = "empty_file"
    message = _("Tệp rỗng (0 byte).")


class UnknownFormat(MediaError):
    code = "unknown_format"
    message = _("Không nhận ra định dạng tệp %(extension)s: nội dung không phải PDF, DOCX, PPTX, "
                "MP3, M4A/M4B, FLAC, WAV, TIFF, JPEG, PNG, MP4, WebM, MOV hay MKV.")


class ContentMismatch(MediaError):
    """Content sniffed as one format while the file name claims another (params: detected, extension)."""

    code = "content_mismatch"
    message = _("Nội dung tệp là %(detected)s nhưng phần mở rộng là .%(extension)s.")


class PdfEncrypted(MediaError):
    code = "pdf_encrypted"
    message = _("PDF bị mã hoá, cần mật khẩu.")


class PdfCorrupt(MediaError):
    code = "pdf_corrupt"
    message = _("PDF bị hỏng hoặc không đầy đủ, không mở được (%(detail)s).")


class OfficeCorrupt(MediaError):
    code = "office_corrupt"
    message = _("Tệp %(format)s bị hỏng, không đọc được (%(detail)s).")


class OfficeEncrypted(MediaError):
    """An Office document protected by a password: an OLE compound file holding an
    ``EncryptedPackage`` stream instead of the OOXML ZIP (MS-OFFCRYPTO §2.3.4.4) (params: format)."""

    code = "office_encrypted"
    message = _("Tệp %(format)s được đặt mật khẩu (mã hoá) nên không mở được; hãy lưu lại tệp không "
                "đặt mật khẩu rồi tải lên.")


class ImageCorrupt(MediaError):
    """A page image that cannot be read or decoded (params: format, detail)."""

    code = "image_corrupt"
    message = _("Ảnh %(format)s bị hỏng hoặc không đầy đủ, không đọc được (%(detail)s).")


class ImageTooLarge(MediaError):
    """A page image over the pixel limit, refused before it is decoded: maybe a decompression bomb
    (params: width, height, megapixels, limit_megapixels; megapixels as floats)."""

    code = "image_too_large"
    message = _("Ảnh quá lớn: %(width)s × %(height)s điểm ảnh (%(megapixels)s triệu), vượt giới hạn "
                "%(limit_megapixels)s triệu điểm ảnh. Tệp có thể là “bom giải nén” nên không được xử lí; "
                "hãy quét lại ở độ phân giải thấp hơn (300 dpi là đủ).")


class AudioUndecodable(MediaError):
    code = "audio_undecodable"
    message = _("Không giải mã được âm thanh trong tệp (%(detail)s).")


class AudioTruncated(MediaError):
    """Decoded duration shorter than the declared one (params: decoded, declared, in seconds)."""

    code = "audio_truncated"
    message = _("Tệp âm thanh bị cắt cụt: giải mã được %(decoded)s s trên %(declared)s s khai báo.")


class VideoUndecodable(MediaError):
    """A video file ffprobe/ffmpeg cannot read, or one with no video stream (params: detail)."""

    code = "video_undecodable"
    message = _("Không giải mã được video trong tệp (%(detail)s).")


class VideoTruncated(MediaError):
    """Decoded video shorter than the declared duration (params: decoded, declared, in seconds)."""

    code = "video_truncated"
    message = _("Tệp video bị cắt cụt: giải mã được %(decoded)s s trên %(declared)s s khai báo.")


class ToolMissing(MediaError):
    code = "tool_missing"
    message = _("Máy chủ thiếu công cụ %(tool)s để xử lí tệp này.")


class ToolFailed(MediaError):
    code = "tool_failed"
    message = _("Công cụ %(tool)s báo lỗi khi xử lí tệp: %(detail)s")
    transient = True


class ToolTimeout(MediaError):
    """A tool ran past its time limit (params: tool, seconds) and was stopped."""

    code = "tool_timeout"
    message = _("Công cụ %(tool)s chạy quá %(seconds)s giây và đã bị dừng.")
    transient = True


class SpeechModelMissing(MediaError):
    """The speech model directory (HOCLIEU_WHISPER_MODEL_PATH) is missing or incomplete (params:
    path, files: the missing file names)."""

    code = "speech_model_missing"
    message = _("Máy chủ thiếu mô hình nhận dạng giọng nói tại %(path)s (thiếu %(files)s); chạy lại "
                "“make install”.")
