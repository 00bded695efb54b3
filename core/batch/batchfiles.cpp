#include "core/batch/batchfiles.h"
