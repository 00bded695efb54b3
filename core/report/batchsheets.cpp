#include "core/report/batchsheets.h"
