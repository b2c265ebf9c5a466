"""Every model module is imported here so db.metadata knows all tables."""

from domain.models.cancellations import CancellationRequest  # noqa: F401
from domain.models.notices import (  # noqa: F401
    CustomerNote,
    Notification,
    OrderMessage,
    OutboundMail,
)
from domain.models.order_search import FTS_TABLE  # noqa: F401  (search index DDL)
from domain.models.orders import (  # noqa: F401
    LineItem,
    Order,
    OrderEvent,
    Supplier,
    SupplierOrder,
    SyncRun,
    VariantMapping,
)
from domain.models.payments import (  # noqa: F401
    ExchangeRate,
    PaymentEvent,
    SavedPaymentMethod,
    ShippingRate,
    SupplierPayment,
    SupplierPaymentItem,
    SupplierTakeBack,
)
from domain.models.refunds import Refund, RefundLine, SupplierLedgerEntry  # noqa: F401
from domain.models.shipments import Parcel, ParcelLine, SupplierDelivery  # noqa: F401
from domain.models.shop import ComplianceRecord, Shop, WebhookReceipt  # noqa: F401
