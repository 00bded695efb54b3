#include "core/batch/channelexemplars.h"
