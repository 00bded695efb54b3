#include "core/session/batchsession.h"
