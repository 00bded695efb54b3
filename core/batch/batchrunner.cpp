#include "core/batch/batchrunner.h"
