"""One factory per model. Regions and schemes come from the data migration."""

import itertools
from datetime import date, timedelta

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from complaints.models import Complaint, ComplaintCategory
from complaints.services.numbers import complaint_number_next
from merchants.models import (
    ColdChainRecord,
    Declaration,
    DeclarationEvent,
    FoodChainRecord,
    Industry,
    Invitation,
    Membership,
    Merchant,
    Notification,
    PenaltyRecord,
    Permit,
    Pool,
    QualityRecord,
    Region,
    RegistryRecord,
    Scheme,
    User,
)
from merchants.uscc import build_uscc
from ratings.models import Appeal, PoolChange, ReasonCode, Standing
from review.models import (
    Campaign,
    ChecklistTemplate,
    Inspection,
    InspectionAssignment,
    InspectionMethod,
)

_serial = itertools.count(10_000_000)

# Smallest valid files of each accepted kind, and one that is not.
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f00050001ff89993d1d0000000049454e44ae426082"
)
JPEG_BYTES = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")


def pdf_upload(name: str = "licence.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def png_upload(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG_BYTES, content_type="image/png")


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def scheme(code: str) -> Scheme:
    return Scheme.objects.get(code=code)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct-horse-battery")
    role = User.Role.CONSUMER


class RegulatorFactory(UserFactory):
    role = User.Role.REGULATOR
    can_review = True
    can_handle_complaints = True
    can_inspect = True
    region = factory.LazyFunction(lambda: region("330106"))


class MerchantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Merchant

    region = factory.LazyFunction(lambda: region("330106"))
    uscc = factory.LazyAttribute(lambda m: build_uscc(m.region.code, next(_serial)))
    name = factory.Sequence(lambda n: f"测试商户{n}")
    legal_representative = "张三"
    address = factory.Sequence(lambda n: f"文三路{n}号")
    industry = Industry.RETAIL
    licence_valid_from = date(2020, 1, 1)
    licence_valid_until = date(2040, 1, 1)
    contact_phone = "13800138000"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory, role=User.Role.MERCHANT)
    merchant = factory.SubFactory(MerchantFactory)
    role = Membership.Role.OWNER


class PermitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Permit

    merchant = factory.SubFactory(MerchantFactory)
    permit_type = Permit.Type.FOOD_BUSINESS
    number = factory.Sequence(lambda n: f"JY133010600{n:05d}")
    valid_until = date(2030, 1, 1)


class DeclarationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Declaration

    merchant = factory.SubFactory(MerchantFactory)
    region = factory.LazyAttribute(lambda d: d.merchant.region)
    scheme = factory.LazyFunction(lambda: scheme("assured-unit"))
    created_by = factory.SubFactory(UserFactory, role=User.Role.MERCHANT)


class DeclarationEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeclarationEvent

    declaration = factory.SubFactory(DeclarationFactory)
    from_state = ""
    to_state = Declaration.State.DRAFT


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    merchant = factory.SubFactory(MerchantFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    invited_by = factory.SubFactory(UserFactory, role=User.Role.MERCHANT)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory, role=User.Role.MERCHANT)
    key = factory.Sequence(lambda n: f"test:{n}")
    subject = "您的申报已通过"
    body = "测试消息"


class _ExternalRecordFactory(factory.django.DjangoModelFactory):
    uscc = factory.LazyAttribute(lambda r: build_uscc("330106", next(_serial)))
    record_id = factory.Sequence(lambda n: f"R{n:08d}")
    as_of = factory.LazyFunction(lambda: timezone.localdate())


class RegistryRecordFactory(_ExternalRecordFactory):
    class Meta:
        model = RegistryRecord

    entity_status = RegistryRecord.Status.ACTIVE
    licence_valid_until = date(2040, 1, 1)
    credit_level = RegistryRecord.Credit.A


class QualityRecordFactory(_ExternalRecordFactory):
    class Meta:
        model = QualityRecord

    checked_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))
    product = "绿茶"
    result = QualityRecord.Result.PASS


class FoodChainRecordFactory(_ExternalRecordFactory):
    class Meta:
        model = FoodChainRecord

    permit_number = factory.Sequence(lambda n: f"JY23301060{n:06d}")
    permit_valid_until = date(2030, 1, 1)
    traceability_compliant = True


class ColdChainRecordFactory(_ExternalRecordFactory):
    class Meta:
        model = ColdChainRecord

    checked_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))
    compliant = True


class PenaltyRecordFactory(_ExternalRecordFactory):
    class Meta:
        model = PenaltyRecord

    decided_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=60))
    severity = PenaltyRecord.Severity.ORDINARY
    description = "未明码标价"


def checklist(scheme_code: str | None = None) -> ChecklistTemplate:
    """A checklist seeded by the migration: the general one, or the one for a scheme."""
    return (
        ChecklistTemplate.objects.get(scheme__code=scheme_code)
        if scheme_code
        else (ChecklistTemplate.objects.get(scheme__isnull=True))
    )


class CampaignFactory(factory.django.DjangoModelFactory):
    """A draft campaign; draw it with review.services.inspections.campaign_draw."""

    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Spot check {n}")
    region = factory.LazyFunction(lambda: region("330100"))
    method = InspectionMethod.ON_SITE
    checklist = factory.LazyFunction(checklist)
    sample_ratio = None
    sample_size = 5
    inspectors_per_visit = 1
    due_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=30))

    @factory.lazy_attribute
    def created_by(self) -> User:
        return RegulatorFactory(can_supervise=True, region=self.region)


class InspectionFactory(factory.django.DjangoModelFactory):
    """A scheduled visit outside any draw, with the campaign's checklist copied in. Pass
    `inspector=` to assign someone (as lead)."""

    class Meta:
        model = Inspection
        skip_postgeneration_save = True

    campaign = factory.SubFactory(CampaignFactory, state=Campaign.State.DRAWN)
    merchant = factory.SubFactory(MerchantFactory)
    region = factory.LazyAttribute(lambda i: i.merchant.region)
    method = factory.LazyAttribute(lambda i: i.campaign.method)
    draw_order = factory.Sequence(lambda n: n + 1)
    due_date = factory.LazyAttribute(lambda i: i.campaign.due_date)
    checklist_template = factory.LazyAttribute(lambda i: i.campaign.checklist)
    checklist_version = factory.LazyAttribute(lambda i: i.campaign.checklist.version)
    checklist = factory.LazyAttribute(lambda i: i.campaign.checklist.snapshot())

    @factory.post_generation
    def inspector(self, create: bool, extracted: User | None, **kwargs: object) -> None:
        if create and extracted is not None:
            InspectionAssignment.of(self, inspector_id=extracted.pk, is_lead=True).save()


def approved_merchants(count: int, county: str = "330106", **merchant: object) -> list[Merchant]:
    """Merchants with an approved declaration for the assured-unit scheme: a campaign's
    population."""
    merchants = MerchantFactory.create_batch(count, region=region(county), **merchant)
    author = UserFactory(username="approved-merchants-author", role=User.Role.MERCHANT)
    for m in merchants:
        DeclarationFactory(merchant=m, created_by=author, state=Declaration.State.APPROVED)
    return merchants


class ComplaintFactory(factory.django.DjangoModelFactory):
    """A complaint as its row: set the state and dates a test needs (the services keep them
    consistent in real use)."""

    class Meta:
        model = Complaint

    merchant = factory.SubFactory(MerchantFactory)
    region = factory.LazyAttribute(lambda c: c.merchant.region)
    category = ComplaintCategory.QUALITY
    description = "买到的商品有质量问题"
    wanted_outcome = "退货退款"
    complainant_name = "王五"
    complainant_phone = "13900139000"
    number = factory.LazyAttribute(
        lambda c: complaint_number_next(county=c.region.code, year=timezone.localdate().year)
    )


class StandingFactory(factory.django.DjangoModelFactory):
    """Where a merchant stands, as its row only (no history): for the moves themselves and their
    PoolChange rows, use the ratings services or PoolChangeFactory."""

    class Meta:
        model = Standing

    merchant = factory.SubFactory(MerchantFactory)
    region = factory.LazyAttribute(lambda s: s.merchant.region)
    pool = Pool.CULTIVATION
    stars = 0


class PoolChangeFactory(factory.django.DjangoModelFactory):
    """One recorded move between pools (a history row; the standing is not changed)."""

    class Meta:
        model = PoolChange

    merchant = factory.SubFactory(MerchantFactory)
    from_pool = Pool.CULTIVATION
    to_pool = Pool.WARNING
    reason_code = ReasonCode.WARNING
    reason = "评分低于预警线。"


class AppealFactory(factory.django.DjangoModelFactory):
    """A pending appeal against a warning, submitted by a user of the merchant."""

    class Meta:
        model = Appeal

    merchant = factory.SubFactory(MerchantFactory)
    decision = factory.SubFactory(PoolChangeFactory, merchant=factory.SelfAttribute("..merchant"))
    statement = "已整改完毕。请复核。"
    submitted_by = factory.SubFactory(UserFactory, role=User.Role.MERCHANT)
    decide_by = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=10))


def gps_jpeg_bytes(size: tuple[int, int] = (4, 2), orientation: int = 6) -> bytes:
    """A JPEG as a phone takes it: EXIF with a GPS position (Hangzhou), a camera model and an
    orientation tag (6: the pixels must be turned 90° to be seen upright)."""
    import io

    from PIL import Image

    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x0110] = "Phone X"  # Model
    exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (30.0, 15.0, 0.0)
    gps[3], gps[4] = "E", (120.0, 10.0, 0.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def assert_no_metadata(data: bytes) -> None:
    """The file carries no EXIF (and so no GPS position) and no text chunks."""
    import io

    from PIL import Image

    assert b"Exif" not in data and b"Phone X" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert not image.getexif()
        assert "exif" not in image.info and not getattr(image, "text", {})
