import messaging.directory.models
import messaging.mail.models  # noqa: F401  (their tables join Base.metadata)
from messaging.models import Base
from shared.migrations import run_env

run_env(Base.metadata)
