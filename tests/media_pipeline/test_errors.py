"""The error hierarchy: one root, machine codes, Vietnamese messages with a decimal comma."""

from django.utils import translation

from media_pipeline import errors


def test_every_error_has_its_own_code_and_the_same_root():
    classes = [cls for cls in vars(errors).values() if isinstance(cls, type) and issubclass(cls, Exception)]
    codes = [cls.code for cls in classes]
    assert len(codes) == len(set(codes))
    assert all(issubclass(cls, errors.MediaError) for cls in classes)


def test_truncation_message_in_vietnamese():
    with translation.override("vi"):
        message = str(errors.AudioTruncated(decoded=4.38, declared=11.049796))
    assert message == "Tệp âm thanh bị cắt cụt: giải mã được 4,4 s trên 11,0 s khai báo."
