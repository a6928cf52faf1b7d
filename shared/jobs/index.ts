export {
  defineJob,
  mountJobs,
  createJobTimers,
  type Job,
  type JobResult,
  type JobSpec,
  type JobTimer,
  type JobTimers,
} from "./jobs";
