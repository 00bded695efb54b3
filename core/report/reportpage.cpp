#include "core/report/reportpage.h"
